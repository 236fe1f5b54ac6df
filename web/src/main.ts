// The dashboard's entry point (web/index.html loads it): defines every element, starting with <floe-app>.
import './no-eval.js';
import './palette.css';
import './elements/floe-app.js';
