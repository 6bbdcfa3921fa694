/** The entities a Pico announces: the firmware's own payload and the simulator's copy of it must both be exactly this. */
export const PICO_ANNOUNCED_ENTITIES = [
  { key: 'distance', kind: 'sensor', name: 'Distance', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
  { key: 'baseline', kind: 'sensor', name: 'Baseline', unit: 'cm', device_class: 'distance', state_class: 'measurement' },
  { key: 'rssi', kind: 'sensor', name: 'Wi-Fi signal', unit: 'dBm', device_class: 'signal_strength', state_class: 'measurement' },
  { key: 'threshold', kind: 'number', name: 'Trigger threshold', unit: 'cm' },
];
