// torch.optim: optimizers and learning-rate schedules.
export { Optimizer, type OptimizerStateDict, type OptimizerStateDictInput, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export * as lrScheduler from './lr_scheduler.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
