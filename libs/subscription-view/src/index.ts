export { startSubscriptionView, type SubscriptionView, type ViewChange, type StartSubscriptionViewOptions } from './view';
