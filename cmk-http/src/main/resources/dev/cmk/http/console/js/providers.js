// The key providers this server offers: GET /v1/providers when the server has it (enabled ones
// only), else every provider the console knows.
import { optional } from './api.js';
import { el } from './dom.js';

const LABELS = {
  aws: 'AWS KMS',
  azure: 'Azure Key Vault',
  oci: 'OCI Vault',
  pkcs11: 'External HSM (PKCS#11)',
  local: 'local (development only)',
};

let cached = null;

export async function enabledProviders() {
  if (cached) return cached;
  const r = await optional('GET', '/v1/providers');
  cached = r && Array.isArray(r.providers)
    ? r.providers.filter((p) => p.enabled).map((p) => p.id)
    : Object.keys(LABELS);
  return cached;
}

export function providerLabel(id) {
  return LABELS[id] || id;
}

/** Fills a select with the enabled providers, keeping its choice when still offered. */
export async function fillProviders(select) {
  const ids = await enabledProviders();
  const before = select.value;
  select.replaceChildren(...ids.map((id) => el('option', { value: id }, providerLabel(id))));
  if (ids.includes(before)) select.value = before;
  return ids;
}
