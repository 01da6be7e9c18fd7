import express, { Router } from 'express';
import helmet from 'helmet';
import path from 'node:path';

/** The dashboard's static files, at the repository root (two levels above dist/src/gateway). */
const DASHBOARD_DIR = path.resolve(__dirname, '../../../dashboard');
/** Chart.js's browser build, served from node_modules so nothing is built at run time. */
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');

/**
 * The analytics dashboard: static HTML, CSS and JS that call the stats API with the key the
 * user types (kept in sessionStorage only). Everything it loads comes from this origin.
 */
export function dashboard(): Router {
  const router = Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  router.get('/vendor/chart.umd.js', (_req, res) => res.sendFile(CHART_JS));
  router.use(express.static(DASHBOARD_DIR, { index: 'index.html' }));
  return router;
}
