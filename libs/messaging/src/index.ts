export { connectNats, natsServersAndCredentials, pingNats, type ConnectNatsOptions, type NatsConnection } from './connection';
export { headersWithTraceContext, traceContextFromHeaders } from './trace-context';
export {
  ensureStream,
  ensureConsumer,
  hookmeshStreamConfigs,
  DEFAULT_DEAD_LETTER_MAX_BYTES,
  nanos,
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type HookmeshStreamSettings,
  streamSettingsFromEnv,
  type StreamEnv,
  type StreamConfig,
  type ConsumerConfig,
} from './streams';
export { publishJson, encodeJson, type PublishOptions } from './publish';
export { createPubAckInbox, type AckedPublisher, type PubAckInbox } from './puback-inbox';
export { deadlineIn, beforeDeadline, DeadlineExceeded, type Deadline } from './deadline';
export { runConsumer, runBatchConsumer, consumerLag, type RunningConsumer, type RunConsumerOptions, type RunBatchConsumerOptions } from './consume';
export { decodeMessage, decodeValue, terminateMessage, type Decoded } from './decode';
export { createDeadLetters, type DeadLetters, type DeadLettersOptions } from './dead-letters';
export { bindKv, openKv, type KV, type KvEntry, type KvWatchEntry } from './kv';
export { startKvMirror, type KvMirror, type StartKvMirrorOptions } from './kv-mirror';
export { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg, type MsgRequest, type PubAck } from '@nats-io/jetstream';
export { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
