// Date builtins wired to dates.ts; `now` reads the clock injected into the run.
import * as d from './dates.js';
import { fn, fn0 } from './helpers.js';

fn0('mktime', d.mktime);
fn0('gmtime', d.gmtime);
fn0('localtime', d.localtime);
fn('strftime', 1, (v, f) => d.strftime(v, f));
fn('strflocaltime', 1, (v, f) => d.strflocaltime(v, f));
fn('strptime', 1, (v, f) => d.strptime(v, f));
fn0('todate', d.todate);
fn0('fromdate', d.fromdate);
fn0('date', d.date);
fn0('todateiso8601', d.todate);
fn0('fromdateiso8601', d.fromdate);
fn('dateadd', 2, (v, _u, n) => d.dateadd(v, n));
fn('datesub', 2, (v, _u, n) => d.datesub(v, n));
