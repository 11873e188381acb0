/** Every message type of MasonHub's Callback API and payload docs, in the order its Callback API lists them. */
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
