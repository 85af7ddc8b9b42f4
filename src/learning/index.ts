import { ValidationError } from '../util/errors.js';
import { backprop } from './backprop.js';
import { feedbackAlignment } from './feedbackAlignment.js';
import { globalError } from './globalError.js';
import type { RelevanceSource } from './relevance.js';
import { type LearningRule, RULE_NAMES, type RuleName } from './rule.js';
import { type SignMode, sar } from './sar.js';
import { signSymmetry } from './signSymmetry.js';

/** Settings for `createRule`: the union of every rule's options. */
export interface CreateRuleOptions {
  learningRate: number;
  discount?: number;
  relevance?: RelevanceSource;
  signMode?: SignMode;
  /** Seed of the feedback matrices of feedback alignment. */
  seed?: number;
}

/** Builds a rule from its name (as used by the CLI, configs and sweeps). */
export function createRule(name: RuleName, options: CreateRuleOptions): LearningRule {
  switch (name) {
    case 'sar':
      return sar(options);
    case 'backprop':
      return backprop(options);
    case 'feedback-alignment':
      return feedbackAlignment(options);
    case 'sign-symmetry':
      return signSymmetry(options);
    case 'global-error':
      return globalError(options);
    default:
      throw new ValidationError('rule', name, RULE_NAMES.join(', '));
  }
}
