// The serving library's public surface, for the daemon, the CLI and the benchmark.
export { loadOrCreateAuthToken, newAuthToken, tokenChecker, tokenProblem } from './auth-token.js'
export { CONTAINER_PATH_PREFIX, containerDecider, startContainerEndpoint, type ContainerEndpointOptions } from './container-endpoint.js'
export { staticLookup } from './credential-lookup.js'
export { MAX_HEADER_BYTES, type GuardConfig } from './guards.js'
export { imdsDecider, imdsRoleName, startImdsEndpoint, type ImdsConfig, type ImdsEndpointOptions } from './imds-endpoint.js'
export { guardConfigFor, isLoopbackHost, startListener, type ListenOptions, type Listener, type TcpAddress } from './listener.js'
export type { EndpointName, OnRequest } from './reply.js'
export {
  controlTarget,
  defaultRuntimeDir,
  ensureRuntimeDir,
  prepareRuntimeDir,
  verifyControlSocket,
  type ControlTarget,
  type PreparedRuntimeDir,
} from './runtime-dir.js'
