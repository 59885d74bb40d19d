// Policies written as text (the CLI's --policy): full | entropy[:T[,T…]] | maxprob[:T[,T…]] |
// predicted[:entropy|maxprob[:T…]] | budget-macs:N | budget-ms:N
import { BranchyInputError } from '../errors.js';
import type { ConfidencePolicy, ExitPolicy } from './policy.js';

function thresholds(s: string | undefined): number[] | undefined {
  if (s === undefined || s === '') return undefined;
  const v = s.split(',').map(Number);
  if (v.some((x) => Number.isNaN(x))) throw new BranchyInputError(`bad thresholds '${s}': numbers separated by commas`);
  return v;
}

function confidence(kind: string, t: string | undefined): ConfidencePolicy {
  if (kind !== 'entropy' && kind !== 'maxprob') throw new BranchyInputError(`unknown confidence rule '${kind}': use entropy or maxprob`);
  return { kind, thresholds: thresholds(t) };
}

export function parsePolicy(text: string, gate?: number): ExitPolicy {
  const [kind, a, b] = text.split(':');
  switch (kind) {
    case 'full':
      return { kind: 'full' };
    case 'entropy':
    case 'maxprob':
      return confidence(kind, a);
    case 'predicted':
      return { kind: 'predicted', gate, then: confidence(a ?? 'entropy', b) };
    case 'budget-macs':
    case 'budget-ms': {
      const v = Number(a);
      if (!(v >= 0)) throw new BranchyInputError(`${kind} needs a budget, e.g. ${kind}:500000`);
      return kind === 'budget-macs' ? { kind: 'budget', macs: v } : { kind: 'budget', ms: v };
    }
    default:
      throw new BranchyInputError(
        `unknown policy '${text}': use full, entropy[:T,…], maxprob[:T,…], predicted[:entropy|maxprob[:T,…]], budget-macs:N or budget-ms:N`,
      );
  }
}
