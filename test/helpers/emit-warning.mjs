// Preload (node --import): a process warning once the daemon has started, as a
// deprecation or a listener leak inside a dependency would raise.
setTimeout(() => process.emitWarning('something in a dependency is deprecated', 'DeprecationWarning'), 1500).unref()
