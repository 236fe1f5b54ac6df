// What the soak's runs do, and what each may end as. Every task execution leaves a mark file (run id, node,
// process id) and prints numbered lines, so the checks can count executions and compare the stored log with
// what was printed. OUT is the folder of marks, in every runner's environment.

export const SOAK_FLOWS = `
flows:
  - id: lines
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        opts:
          shell: |
            touch "$OUT/marks/$FLOE_RUN_ID.count.$$.$RANDOM"
            for i in $(seq 1 40); do echo "L$i"; sleep 0.03; done
  - id: flaky
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        retry: 1
        opts:
          shell: |
            touch "$OUT/marks/$FLOE_RUN_ID.count.$$.$RANDOM"
            if mkdir "$OUT/tries/$FLOE_RUN_ID" 2>/dev/null; then echo "first attempt fails"; exit 1; fi
            for i in $(seq 1 20); do echo "L$i"; sleep 0.03; done
  - id: long
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        opts:
          shell: |
            touch "$OUT/marks/$FLOE_RUN_ID.count.$$.$RANDOM"
            for i in $(seq 1 3000); do echo "L$i"; sleep 0.1; done
  - id: ask
    tasks:
      - id: ask
        type: data
        listen: trigger.good
        opts: {form: {fields: [{id: word, type: text}]}}
      - id: count
        type: exec
        listen: task.ask.good
        opts:
          shell: |
            touch "$OUT/marks/$FLOE_RUN_ID.count.$$.$RANDOM"
            echo "V=$FLOE_DATA_WORD"
            for i in $(seq 1 10); do echo "L$i"; sleep 0.03; done
`;

export type SoakFlow = 'lines' | 'flaky' | 'long' | 'ask';

/** How the runs of each flow may end, what they print, and how often their task may execute. */
export const FLOW_RULES: Record<
  SoakFlow,
  {
    /** How many runs of every hundred started are of this flow. */
    share: number;
    /** The results a run may have besides `lost` (bad, code lost), as `result/reasonCode`. */
    ends: string[];
    /** Lines L1..Ln a good run prints (the last attempt). */
    lines?: number;
    /** Executions of `count` at most (retry + 1), and exactly in a good run. */
    executions: number;
  }
> = {
  lines: { share: 55, ends: ['good/no-end'], lines: 40, executions: 1 },
  flaky: { share: 20, ends: ['good/no-end'], lines: 20, executions: 2 },
  long: { share: 10, ends: ['cancelled/cancelled'], executions: 1 },
  ask: { share: 15, ends: ['good/no-end'], lines: 10, executions: 1 },
};
