/**
 * How a plugin's setup tells the host what went wrong, and so what happens next
 * (after Home Assistant's ConfigEntryNotReady / ConfigEntryAuthFailed).
 */

/** The thing the plugin needs is not there yet (device booting, network down): retried with backoff. */
export class NotReadyError extends Error {
  override name = 'NotReadyError';
}

/** Wrong credentials or configuration: retrying cannot help, so the plugin is disabled until the user fixes it. */
export class PluginConfigError extends Error {
  override name = 'PluginConfigError';
}

/** The plugin's module does not declare what the host needs. */
export class PluginManifestError extends Error {
  override name = 'PluginManifestError';
}
