// The campaign studio: asks for the API key once (kept in sessionStorage only), then shows the
// view the address names: #campaigns, #campaign=<id>, #new, #journeys, #segments, #destinations.
import { KEY_STORAGE, onUnauthorized } from './api.js';
import { loadCampaignList } from './campaign-list.js';
import { loadDestinations, setupDestinations } from './destinations.js';
import { $ } from './dom.js';
import { newCampaign, openCampaign, setupEditor } from './editor.js';
import { inspectUser } from './inspector.js';
import { loadSegments, setupSegments } from './segments.js';

const VIEWS = ['campaigns', 'editor', 'journeys', 'segments', 'destinations'];

function showLogin(message) {
  $('studio').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  $('key').focus();
}

function show(view) {
  for (const v of VIEWS) $(v).hidden = v !== view;
  const tab = view === 'editor' ? 'campaigns' : view;
  document.querySelectorAll('nav a[data-view]').forEach((a) => {
    if (a.dataset.view === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

async function route() {
  if (!sessionStorage.getItem(KEY_STORAGE)) return showLogin();
  $('login').hidden = true;
  $('studio').hidden = false;
  $('status').textContent = '';
  const hash = decodeURIComponent(location.hash.slice(1));
  const [view, arg] = hash.split('=');
  try {
    if (view === 'campaign' && arg) {
      show('editor');
      await openCampaign(arg);
    } else if (view === 'new') {
      show('editor');
      await newCampaign(arg);
    } else if (view === 'journeys') {
      show('journeys');
      if (arg) $('user-id').value = arg;
      await inspectUser(arg);
    } else if (view === 'segments') {
      show('segments');
      await loadSegments();
    } else if (view === 'destinations') {
      show('destinations');
      await loadDestinations();
    } else {
      show('campaigns');
      await loadCampaignList();
    }
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    if (err.name !== 'Unauthorized')
      $('status').textContent = `Could not load: ${err.message}. Check that the gateway runs, then reload.`;
  }
}

function start() {
  onUnauthorized(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin('That key was refused. Try again.');
  });
  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('key').value.trim());
    $('key').value = '';
    void route();
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    showLogin();
  });
  $('new-campaign').addEventListener('click', () => {
    const example = $('example').value;
    location.hash = example ? `new=${example}` : 'new';
  });
  $('user-search').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `journeys=${encodeURIComponent($('user-id').value.trim())}`;
  });
  setupEditor();
  setupSegments();
  setupDestinations();
  window.addEventListener('hashchange', () => void route());
  void route();
}

start();
