// A stand-in for Electron's main-process modules, enough for @better-auth/electron/client to
// run in plain Node.js: the compat tests drive its real sign-in code (requestAuth, the deep
// link handler, the token exchange, its fetch plugin) against krag serve. Nothing here talks
// to Krag. openedURLs records what the client asked the system browser to open.

export const openedURLs = [];

export const shell = {
  async openExternal(url) { openedURLs.push(url); },
};

const handlers = new Map();
export const app = {
  userAgentFallback: 'krag-compat-electron/1',
  on(event, fn) { handlers.set(event, fn); return app; },
  whenReady: () => Promise.resolve(),
  requestSingleInstanceLock: () => true,
  setAsDefaultProtocolClient: () => true,
  quit() {},
};

// Strings are "encrypted" as their UTF-8 bytes: the tests read what the client stores.
export const safeStorage = {
  isEncryptionAvailable: () => true,
  encryptString: (s) => Buffer.from(s, 'utf8'),
  decryptString: (b) => Buffer.from(b).toString('utf8'),
};

export const net = { fetch: (...args) => fetch(...args) };
export const session = { defaultSession: { webRequest: { onHeadersReceived() {} } } };
export const protocol = { registerSchemesAsPrivileged() {}, handle() {} };
export const BrowserWindow = { getAllWindows: () => [] };
export const ipcMain = { handle() {} };
export const webContents = { getFocusedWebContents: () => null };

export default { shell, app, safeStorage, net, session, protocol, BrowserWindow, ipcMain, webContents };
