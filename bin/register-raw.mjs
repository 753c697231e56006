// `node --import ./bin/register-raw.mjs ...`: lets scripts import .wgsl?raw as the CLI does.
import { register } from 'node:module';

register('./raw-loader.mjs', import.meta.url);
