// The step graph: every step a node, every path between steps an edge, laid out by dagre and
// drawn as SVG. Each webhook node carries its live counts from the stats API.
import dagre from '../vendor/dagre.esm.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE = { width: 180, height: 62 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const polyline = (points) => points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ');

/** A step that leads back to itself: a loop off its right side (dagre routes such edges poorly). */
function selfLoop(node) {
  const x = node.x + node.width / 2;
  return `M ${x} ${node.y - 10} C ${x + 36} ${node.y - 34}, ${x + 36} ${node.y + 34}, ${x} ${node.y + 10}`;
}

/** Where a journey goes from each step, by the rules of src/domain/step-graph.ts: [from, to, label]. */
export function stepEdges(steps) {
  const edges = [];
  const after = (i, target) => target ?? steps[i].next ?? steps[i + 1]?.id;
  const add = (from, to, label) => to && edges.push([from, to, label]);
  steps.forEach((step, i) => {
    if (step.type === 'exit') return;
    if (step.type === 'webhook') {
      add(step.id, after(i), 'next');
      if (step.onFailure && step.onFailure !== 'exit') add(step.id, step.onFailure, 'on failure');
    } else if (step.type === 'waitForEvent') {
      add(step.id, after(i, step.onEvent), `on ${step.event || 'event'}`);
      add(step.id, after(i, step.onTimeout), 'on timeout');
    } else if (step.type === 'branch') {
      (step.cases ?? []).forEach((c, j) => add(step.id, c.next, `case ${j + 1}`));
      add(step.id, after(i, step.default), 'default');
    } else add(step.id, after(i), 'next');
  });
  return edges;
}

function countsLine(step, counts) {
  const c = counts?.[step.id];
  if (step.type !== 'webhook')
    return step.type === 'delay' ? (step.duration ?? step.until ?? step.untilField ?? '') : '';
  return c ? `reached ${c.reached} · sent ${c.sent} · failed ${c.failed}` : 'not saved yet';
}

/** Draws the graph of `steps` into `container` (an element); `counts` maps a step id to { reached, sent, failed }. */
export function drawStepGraph(container, steps, counts) {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  // The wide margin leaves room for the loop of a step that leads back to itself.
  graph.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 46, marginx: 70, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((s) => s.id).filter(Boolean));
  graph.setNode('__start', { width: 70, height: 28, label: 'Start' });
  for (const step of steps) if (step.id) graph.setNode(step.id, { ...NODE, step });
  if (steps[0]?.id) graph.setEdge('__start', steps[0].id, { width: 0, height: 0 }, 'start');
  stepEdges(steps).forEach(([from, to, label], i) => {
    if (ids.has(from) && ids.has(to))
      graph.setEdge(from, to, { label, width: label.length * 6.5, height: 14, labelpos: 'c' }, `e${i}`);
  });
  dagre.layout(graph);
  const { width, height } = graph.graph();
  const root = svg('svg', {
    viewBox: `0 0 ${Math.max(width, 1)} ${Math.max(height, 1)}`,
    width,
    height,
    role: 'img',
    class: 'step-graph',
  });
  root.append(svg('title', {}, `Step graph: ${steps.length} steps, ${graph.edgeCount() - 1} paths`));
  const defs = svg('defs');
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  for (const e of graph.edges()) {
    const edge = graph.edge(e);
    const group = svg('g', { class: 'edge', 'data-from': e.v, 'data-to': e.w });
    group.append(
      svg('path', { d: e.v === e.w ? selfLoop(graph.node(e.v)) : polyline(edge.points), 'marker-end': 'url(#arrow)' }),
    );
    const at = e.v === e.w ? { x: graph.node(e.v).x + NODE.width / 2 + 40, y: graph.node(e.v).y } : edge;
    if (edge.label)
      group.append(svg('text', { x: at.x, y: at.y + 4, 'text-anchor': e.v === e.w ? 'start' : 'middle' }, edge.label));
    root.append(group);
  }
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    const group = svg('g', {
      class: `node ${node.step ? `node-${node.step.type}` : 'node-start'}`,
      'data-step': id,
      transform: `translate(${node.x - node.width / 2}, ${node.y - node.height / 2})`,
    });
    group.append(svg('rect', { width: node.width, height: node.height, rx: 8 }));
    if (node.step) {
      group.append(svg('text', { x: 10, y: 20, class: 'node-title' }, `${node.step.id}`));
      group.append(svg('text', { x: 10, y: 36, class: 'node-type' }, node.step.type));
      group.append(svg('text', { x: 10, y: 52, class: 'node-counts' }, countsLine(node.step, counts)));
    } else group.append(svg('text', { x: node.width / 2, y: 18, 'text-anchor': 'middle' }, 'Start'));
    root.append(group);
  }
  container.replaceChildren(root);
}
