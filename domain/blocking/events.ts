// Events of deny policies / blocking conditions (`blocking-<uuid>`), WSO2 §4.3.

export type BlockingType = 'API' | 'APPLICATION' | 'IP' | 'IP_RANGE' | 'USER';

export type BlockingConditionAdded = {
  type: 'BlockingConditionAdded';
  data: {
    conditionId: string;
    type: BlockingType;
    /**
     * API: `/context/version`; APPLICATION: `owner:applicationName`; IP: one address;
     * IP_RANGE: `start-end` or CIDR `a.b.c.d/n` (normalised); USER: user name.
     */
    value: string;
    enabled: boolean;
    invert: boolean; // block everything that does NOT match
  };
};

export type BlockingConditionEnabled = { type: 'BlockingConditionEnabled'; data: { conditionId: string } };
export type BlockingConditionDisabled = { type: 'BlockingConditionDisabled'; data: { conditionId: string } };
export type BlockingConditionRemoved = { type: 'BlockingConditionRemoved'; data: { conditionId: string } };

export type BlockingEvent =
  | BlockingConditionAdded
  | BlockingConditionEnabled
  | BlockingConditionDisabled
  | BlockingConditionRemoved;
