// Header names that usually carry a credential. A credential belongs in a destination, where it
// is stored once, hidden from API answers and never written into a campaign or its journeys.
const CREDENTIAL_NAME = /authorization|cookie|token|secret|key|signature|password|passwd|credential|auth|session|access/i;

export function looksLikeCredential(headerName: string): boolean {
  return CREDENTIAL_NAME.test(headerName);
}
