// The renderer's entry: the theme, then the app shell mounted into #app.
import { mount } from 'svelte';
import './styles/theme.css';
import App from './App.svelte';
import { theme } from './lib/theme-choice.svelte';

theme.load();

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');
mount(App, { target });
