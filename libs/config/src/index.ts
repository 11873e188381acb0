export { ConfigError, parseEnv, loadConfigOrExit, BooleanFlag, Port } from './env';
export { parseDurationMs, DurationMs, DurationListMs } from './duration';
export { CommonEnv, NatsEnv, DatabaseEnv, AuthEnv, SecretsKeyEnv, DeliveryEnv, StreamsEnv, portEnv, isLoopbackHost, developmentSwitchWarnings } from './common';
export { ByteSize, parseByteSize } from './bytes';
