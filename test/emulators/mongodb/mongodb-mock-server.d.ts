/** Types for the parts of mongodb-mock-server 2.x (CommonJS, untyped) the MongoDB wrapper uses. */
declare module 'mongodb-mock-server' {
  export interface MockRequest {
    /** The command document (OP_MSG body / OP_QUERY query), already BSON-decoded. */
    readonly document: Record<string, unknown>;
    /** The parsed wire message; for OP_QUERY, `ns` is `<db>.$cmd`. */
    readonly response: { ns?: string };
    reply(documents: Record<string, unknown> | Record<string, unknown>[], options?: Record<string, unknown>): void;
  }
  export interface MockServer {
    uri(): string;
    address(): { host: string; port: number };
    setMessageHandler(handler: (request: MockRequest) => void): void;
    destroy(): Promise<void>;
  }
  const mock: {
    createServer(port?: number, host?: string, options?: Record<string, unknown>): Promise<MockServer>;
    cleanup(): Promise<void>;
    DEFAULT_ISMASTER_36: Record<string, unknown>;
  };
  export default mock;
}
