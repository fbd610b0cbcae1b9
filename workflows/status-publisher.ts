/**
 * Where a workflow stands, shown to people: Current Details every time, the `DesgwStatus` search
 * attribute only when the status changes (`waiting-for-<what>` while it waits, else its phase), and
 * a notification (a sink: outside history) on the changes `tells` picks. The run's progress and
 * post-processing both show themselves through it.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { DESGW_STATUS } from '../common/search-attributes.js';

export class StatusPublisher {
  /**
   * @param shown what an earlier execution of the workflow showed (carried across continue-as-new,
   * whose search attributes carry over): not upserted or told again.
   */
  constructor(
    private readonly tells: (status: string) => boolean,
    private readonly notify: (status: string) => void,
    private shown = '',
  ) {}

  /** The status shown last (DesgwStatus), for a continue-as-new to carry. */
  get status(): string {
    return this.shown;
  }

  show(details: string, view: { phase: string; waitingFor?: { what: string } }): void {
    setCurrentDetails(details);
    const status = view.waitingFor ? `waiting-for-${view.waitingFor.what}` : view.phase;
    if (status === this.shown) return;
    upsertSearchAttributes([{ key: DESGW_STATUS, value: status }]);
    this.shown = status;
    if (this.tells(status)) this.notify(status);
  }
}
