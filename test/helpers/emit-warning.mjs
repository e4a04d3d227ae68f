// Preload (node --import): a process warning once the daemon has taken over warnings (it
// removes Node's own printer and adds its logger), as a deprecation or a listener leak inside
// a dependency would raise. Tied to that moment, not to a fixed delay: on a loaded machine a
// fixed delay could fire before the daemon's handler exists, and Node would print it raw.
const removeAll = process.removeAllListeners
process.removeAllListeners = function (event, ...rest) {
  const result = removeAll.call(this, event, ...rest)
  // The daemon adds its own handler in the same turn; the warning comes on a later one.
  if (event === 'warning')
    setTimeout(() => process.emitWarning('something in a dependency is deprecated', 'DeprecationWarning'), 100).unref()
  return result
}
