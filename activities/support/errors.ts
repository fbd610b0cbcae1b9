/** The failures activities raise, with the types the workflows and clients recognise. */
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../../common/failures.js';

/** Bad input: fails the run at once, never retried. `problems` names each line, key or exposure. */
export function invalidInput(problems: string[]): ApplicationFailure {
  const message = problems.length === 1 ? problems[0]! : `${problems.length} problems: ${problems.join('; ')}`;
  return ApplicationFailure.create({
    message,
    type: Failure.InvalidInput,
    nonRetryable: true,
    details: [{ problems }],
  });
}
