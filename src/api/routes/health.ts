import type { RouteModule } from '../context.ts';

export const healthRoutes: RouteModule = (app) => {
  app.get('/health', async () => ({ status: 'ok' }));
};
