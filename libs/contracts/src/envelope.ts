// The JSON body a customer endpoint receives in the envelope body (the `standard` and `masonhub` profiles).
import { z } from 'zod';
import { eventTypes, MessageType } from './events';
import { ApiVersion, NonEmptyString } from './primitives';

function envelopeOf<T extends MessageType, D extends z.ZodType>(messageType: T, data: D) {
  return z.strictObject({
    callback_url: z.url({ error: 'callback_url must be an absolute URL' }),
    message_type: z.literal(messageType),
    message_id: NonEmptyString,
    // Seed 002's per-type examples omit api_version although its common structure lists it; Hookmesh always sends it.
    api_version: ApiVersion.default('1.0'),
    token: z.string().optional(),
    data,
  });
}

/** The envelope of any message type, built-in or registered: `data` is whatever the type's schema allows. */
export const DeliveryEnvelope = z.strictObject({
  callback_url: z.url({ error: 'callback_url must be an absolute URL' }),
  message_type: MessageType,
  message_id: NonEmptyString,
  api_version: ApiVersion.default('1.0'),
  token: z.string().optional(),
  data: z.unknown().refine((value): boolean => value !== undefined, 'data is required'),
});
export type DeliveryEnvelope = z.infer<typeof DeliveryEnvelope>;

/** Strict envelope of the nine built-in types, discriminated on message_type so `data` is checked against that type's schema. */
export const BuiltinDeliveryEnvelope = z.discriminatedUnion('message_type', [
  envelopeOf('skuInventoryChange', eventTypes.skuInventoryChange.data),
  envelopeOf('snapshotReady', eventTypes.snapshotReady.data),
  envelopeOf('orderEvent', eventTypes.orderEvent.data),
  envelopeOf('orderUpdateResolution', eventTypes.orderUpdateResolution.data),
  envelopeOf('orderCancelResolution', eventTypes.orderCancelResolution.data),
  envelopeOf('inboundShipmentEvent', eventTypes.inboundShipmentEvent.data),
  envelopeOf('shipmentEvent', eventTypes.shipmentEvent.data),
  envelopeOf('rmaEvent', eventTypes.rmaEvent.data),
  envelopeOf('qualityEvent', eventTypes.qualityEvent.data),
]);
export type BuiltinDeliveryEnvelope = z.infer<typeof BuiltinDeliveryEnvelope>;
