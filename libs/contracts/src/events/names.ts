/** Every message type of seeds 000/002, in the order seed 000 lists them. */
export const MESSAGE_TYPES = [
  'skuInventoryChange',
  'snapshotReady',
  'orderEvent',
  'orderUpdateResolution',
  'orderCancelResolution',
  'inboundShipmentEvent',
  'shipmentEvent',
  'rmaEvent',
  'qualityEvent',
] as const;

export type MessageTypeName = (typeof MESSAGE_TYPES)[number];
