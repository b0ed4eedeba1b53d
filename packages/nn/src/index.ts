// Public API of @dyrep/nn.
export {};
