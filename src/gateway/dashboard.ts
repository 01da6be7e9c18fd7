import express, { Router } from 'express';
import helmet from 'helmet';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The dashboard's static files, at the repository root (two levels above dist/src/gateway). */
const DASHBOARD_DIR = path.resolve(__dirname, '../../../dashboard');
/** The example campaigns the studio offers as starting points. */
const EXAMPLES_DIR = path.resolve(__dirname, '../../../examples');
/** Chart.js's browser build, served from node_modules so nothing is built at run time. */
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
/** The studio's libraries, as the ES modules their packages ship for browsers. */
const DAGRE = path.join(path.dirname(require.resolve('@dagrejs/dagre')), 'dagre.esm.js');
const YAML_DIR = path.join(path.dirname(require.resolve('yaml/package.json')), 'browser', 'dist');

/**
 * The analytics dashboard and the campaign studio: static HTML, CSS and JS that call the API
 * with the key the user types (kept in sessionStorage only). Everything they load comes from this origin.
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
  router.get('/vendor/dagre.esm.js', (_req, res) => res.sendFile(DAGRE));
  router.use('/vendor/yaml', express.static(YAML_DIR, { index: false }));
  // An install without the examples folder (such as the Docker image) offers none.
  const examples = existsSync(EXAMPLES_DIR)
    ? readdirSync(EXAMPLES_DIR)
        .filter((name) => name.endsWith('.json'))
        .sort()
    : [];
  router.get('/examples/index.json', (_req, res) => res.json(examples));
  router.get('/examples/:name', (req, res, next) =>
    examples.includes(req.params.name) ? res.sendFile(path.join(EXAMPLES_DIR, req.params.name)) : next(),
  );
  router.use(express.static(DASHBOARD_DIR, { index: 'index.html' }));
  return router;
}
