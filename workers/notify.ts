/**
 * The notifier sink of the workflow worker: runs the site's DESGW_NOTIFY_COMMAND (a mail or chat
 * script) with a run's event as JSON on its standard input, when the run starts waiting for a person
 * or the site and when it ends. Outside history, and not repeated on replay; a failing command is
 * logged, never a failure of the run.
 */
import type { InjectedSinks } from '@temporalio/worker';
import { execa } from 'execa';
import type { NotifyEvent, NotifySinks } from '../common/notify.js';

export function notifySinks(command: string[] | null): InjectedSinks<NotifySinks> {
  return {
    notifier: {
      notify: {
        fn: async (_info, event: NotifyEvent) => {
          if (!command) return;
          const [file, ...args] = command as [string, ...string[]];
          const r = await execa(file, args, { input: `${JSON.stringify(event)}\n`, reject: false, timeout: 30_000 });
          if (r.exitCode !== 0) {
            console.error(`notify: ${file} exited ${r.exitCode ?? r.signal} for ${event.workflowId} ${event.status}`);
          }
        },
        callDuringReplay: false,
      },
    },
  };
}
