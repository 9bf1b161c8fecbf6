// Every Gatehouse domain event, as one union. Importing this module (not only its types)
// also registers the upcasters, so read paths see every event at its current schemaVersion.
import './api/upcasters.ts';
import type { ApiEvent, ApiVersionsEvent } from './api/events.ts';
import type { ApplicationEvent } from './application/events.ts';
import type { BlockingEvent } from './blocking/events.ts';
import type { SigningKeyEvent, UserEvent } from './identity/events.ts';
import type { PolicyEvent } from './policy/events.ts';
import type { ReservationEvent } from './reservation/events.ts';
import type { SubscriptionEvent } from './subscription/events.ts';
import type { RefreshFamilyEvent, TokenEvent } from './tokens/events.ts';

export type GatehouseEvent =
  | ApiEvent
  | ApiVersionsEvent
  | ApplicationEvent
  | SubscriptionEvent
  | PolicyEvent
  | BlockingEvent
  | UserEvent
  | SigningKeyEvent
  | TokenEvent
  | RefreshFamilyEvent
  | ReservationEvent;

export type GatehouseEventType = GatehouseEvent['type'];

/** Every event type name (compile-checked against the union, both ways). */
const ALL = {
  ApiCreated: true, ApiUpdated: true, ApiLifecycleChanged: true, ApiDeleted: true,
  ApiDocumentAdded: true, ApiDocumentUpdated: true, ApiDocumentRemoved: true,
  ApiVersionRegistered: true, ApiVersionDeregistered: true, DefaultApiVersionChanged: true,
  ApplicationCreated: true, ApplicationUpdated: true, ApplicationDeleted: true,
  ApplicationKeysGenerated: true, ApplicationKeysUpdated: true, ApplicationSecretRegenerated: true, ApiKeyIssued: true, ApiKeyRevoked: true,
  SubscriptionCreated: true, SubscriptionTierChanged: true, SubscriptionBlocked: true,
  SubscriptionUnblocked: true, SubscriptionDeleted: true,
  ThrottlingPolicyCreated: true, ThrottlingPolicyUpdated: true, ThrottlingPolicyDeleted: true,
  BlockingConditionAdded: true, BlockingConditionEnabled: true, BlockingConditionDisabled: true,
  BlockingConditionRemoved: true,
  UserRegistered: true, UserRoleGranted: true, UserRoleRevoked: true, UserPasswordChanged: true,
  UserLoginFailed: true, UserLockedOut: true, UserLoginFailuresReset: true,
  SigningKeyAdded: true, SigningKeyRotated: true,
  TokenRevoked: true, RefreshTokenFamilyStarted: true, RefreshTokenRotated: true, RefreshTokenFamilyRevoked: true,
  ReservationClaimed: true, ReservationReleased: true,
} as const satisfies Record<GatehouseEventType, true>;

export const EVENT_TYPES: readonly GatehouseEventType[] = Object.keys(ALL) as GatehouseEventType[];

export const isGatehouseEventType = (type: string): type is GatehouseEventType => Object.hasOwn(ALL, type);
