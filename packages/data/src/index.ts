// Public API of @dyrep/data.
export {};
