export function toucherScenario(pages: number): string;
export function toucherSteps(pages: number): number;
