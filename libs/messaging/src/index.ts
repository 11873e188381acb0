export { connectNats, natsServersAndCredentials, pingNats, type ConnectNatsOptions, type NatsConnection } from './connection';
export { headersWithTraceContext, traceContextFromHeaders } from './trace-context';
export {
  ensureStream,
  ensureConsumer,
  hookmeshStreamConfigs,
  nanos,
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type HookmeshStreamSettings,
  type StreamConfig,
  type ConsumerConfig,
} from './streams';
export { publishJson, encodeJson, type PublishOptions } from './publish';
export { runConsumer, runBatchConsumer, consumerLag, type RunningConsumer, type RunConsumerOptions, type RunBatchConsumerOptions } from './consume';
export { decodeMessage, decodeValue, terminateMessage, type Decoded } from './decode';
export { openKv, type KV, type KvEntry, type KvWatchEntry } from './kv';
export { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg, type PubAck } from '@nats-io/jetstream';
export { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
