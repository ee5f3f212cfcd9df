// WebdriverIO drives the real Cull app: tauri-driver speaks WebDriver and hands the session to
// WebKitWebDriver, which starts the app binary in a real WebKitGTK window (under Xvfb in CI).
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

const targetDir = process.env.CARGO_TARGET_DIR || path.resolve('../../target');
const application = process.env.CULL_APP_BINARY || path.join(targetDir, 'release', 'cull-app');
const tauriDriverBin = process.env.TAURI_DRIVER || path.join(os.homedir(), '.cargo', 'bin', 'tauri-driver');

let tauriDriver;

export const config = {
  hostname: '127.0.0.1',
  port: 4444,
  specs: ['./specs/**/*.e2e.js'],
  maxInstances: 1,
  capabilities: [{ maxInstances: 1, 'tauri:options': { application } }],
  logLevel: 'warn',
  reporters: ['spec'],
  framework: 'mocha',
  mochaOpts: { ui: 'bdd', timeout: 180000 },
  waitforTimeout: 60000,
  beforeSession: () => {
    tauriDriver = spawn(tauriDriverBin, [], { stdio: [null, process.stdout, process.stderr] });
    return new Promise((resolve) => setTimeout(resolve, 1500));
  },
  afterSession: () => {
    tauriDriver?.kill();
  },
};
