// The permissions (names of the server's policy) that open each part of Administration.
export const USERS_READ = "users:read";
export const APIKEYS_WRITE = "apikeys:write";
export const AUDIT_READ = "audit:read";
export const EQUIPMENT_WRITE = "equipment:write";
