// Video that feels right (issue 13): tracks with stable ids, One Euro smoothing, motion prediction between
// results, and the adaptive input size. Pure logic on typed arrays: it imports only src/core.
export * from './one-euro-filter.ts';
export * from './velocity-estimator.ts';
export * from './face-channels.ts';
export * from './motion-prediction.ts';
export * from './face-tracker.ts';
export * from './adaptive-input-size.ts';
