import { Firestore } from '@google-cloud/firestore';
import { startFirestoreEmulator } from './firestore-emulator.ts';
import { startTcpProxy } from '../../destinations/tcp-proxy.ts';
const emu = await startFirestoreEmulator();
const proxy = await startTcpProxy(emu.port);
process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${proxy.port}`;
process.env.METADATA_SERVER_DETECTION = 'none';
const db = new Firestore({ projectId: 'lab', ignoreUndefinedProperties: true });
let t = Date.now();
const b = db.batch(); b.set(db.doc('terra/2022-03-16/activity/u-1.json'), { a: 1, arr: [{ c: [1, 2] }] }); await b.commit();
console.log('commit', Date.now() - t, (await db.doc('terra/2022-03-16/activity/u-1.json').get()).data());
await proxy.down();
t = Date.now();
try { const b2 = db.batch(); b2.set(db.doc('terra/2022-03-16/activity/u-2.json'), { a: 2 }); await b2.commit(); console.log('committed during outage?!'); } catch (e) { console.log('outage err', Date.now() - t, (e as {code?: number}).code, (e as Error).message.slice(0, 200)); }
await proxy.up();
t = Date.now();
try { const b3 = db.batch(); b3.set(db.doc('terra/2022-03-16/activity/u-3.json'), { a: 3 }); await b3.commit(); console.log('after restore', Date.now() - t); } catch (e) { console.log('after err', Date.now() - t, (e as Error).message.slice(0, 200)); }
t = Date.now();
try { await db.doc('terra/2022-03-16').get(); console.log('get ok', Date.now() - t); } catch (e) { console.log('get err', (e as Error).message); }
await db.terminate(); await proxy.close(); await emu.close();
