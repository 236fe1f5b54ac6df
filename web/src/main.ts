// The dashboard's entry point (web/index.html loads it): defines every element, starting with <floe-app>.
import './elements/floe-app.js';
