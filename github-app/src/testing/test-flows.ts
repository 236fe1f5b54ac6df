// Test helper (not exported): the FLOE.yaml the hub tests run.
export const TEST_FLOE = `flows:
  - id: build
    resource-tags: [db]
    triggers:
      - id: start
        type: data
        opts:
          form:
            fields:
              - {id: size, type: number, required: false}
              - {id: mode, type: select, options: [fast, full], value: fast}
    tasks:
      - {id: compile, type: exec, listen: trigger.good, opts: {cmd: make}}
      - {id: test, type: exec, listen: task.compile.good, opts: {cmd: make test}}
  - id: deploy
    resource-tags: [db]
    tasks:
      - {id: ship, type: exec, listen: trigger.good, opts: {cmd: ship}}
  - id: approve
    tasks:
      - id: ask
        type: data
        listen: trigger.good
        opts: {form: {fields: [{id: ok, type: bool}]}}
  - id: slow
    timeout: 0.3s
    tasks:
      - {id: nap, type: exec, listen: trigger.good, opts: {cmd: sleep 10}}
  - id: again
    requeue-lost: true
    tasks:
      - {id: work, type: exec, listen: trigger.good, opts: {cmd: work}}
  - id: gpu
    host-tags: [gpu]
    tasks:
      - {id: train, type: exec, listen: trigger.good, opts: {cmd: train}}
`;
