export * from './fast.js';
