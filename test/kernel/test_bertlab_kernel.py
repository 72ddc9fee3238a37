"""Jupyter's own kernel test suite (jupyter_kernel_test) against bertlab's kernel, with bertlab samples.

Run by test/kernel_suite.test.ts, which installs the kernelspec in a temporary prefix and sets
BERTLAB_SUITE_KERNEL to its name. By hand (after `npm run build`):
    node dist/kernel/cli.js kernel install --engine bertlab --prefix /tmp/k --name bertlab-suite
    JUPYTER_PATH=/tmp/k/share/jupyter BERTLAB_SUITE_KERNEL=bertlab-suite /usr/bin/python3 -m unittest -v test/kernel/test_bertlab_kernel.py
"""
import os
import unittest

import jupyter_kernel_test as jkt

KERNEL = 'globalThis[Symbol.for("bertlab.kernel")]'


class BertlabKernelTests(jkt.KernelTests):
    kernel_name = os.environ.get("BERTLAB_SUITE_KERNEL", "bertlab")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The kernel answers kernel_info at once and loads TypeScript (and bertlab's .d.ts) just after; on a
        # busy 2-core machine that can take longer than the suite's 15 s per reply, so wait for it here, once.
        cls.kc.execute_interactive('import type { BertConfig } from "bertlab";', timeout=300, output_hook=lambda msg: None)

    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("tokenizer: 3 unknown tokens")'

    completion_samples = [
        {"text": 'import { AutoTokenizer } from "bertlab";\nAutoTok', "matches": {"AutoTokenizer"}},
        {"text": 'import { BertConfig } from "bertlab";\nnew BertConfig({}).num_attention_h', "matches": {"num_attention_heads"}},
        {"text": 'import { AutoTokenizer } from "bertlab";\nAutoTokenizer.from_pre', "matches": {"from_pretrained"}},
    ]

    complete_code_samples = [
        "6 * 7",
        'import { BertConfig } from "bertlab";',
        "function double(x: number): number {\n  return 2 * x;\n}",
        "const config = { hidden_size: 64 };",
    ]
    incomplete_code_samples = [
        "function double(x: number): number {",
        "const ids = [101, 7592,",
        "const s = `attention",
        "/* a comment",
    ]
    invalid_code_samples = [
        "const = 5;",
        "}}",
        "let 1x = 2;",
    ]

    # IPython's `name?` on any line of a cell (the import runs, then the help page): signatures, options, docs, members
    code_page_something = 'import { BertModel } from "bertlab";\nBertModel?'

    code_generate_error = 'throw new RangeError("max_length must be positive, got -1")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"[CLS] " + "hello"', "result": "'[CLS] hello'"},
        {"code": 'import { BertConfig } from "bertlab";\nnew BertConfig({ hidden_size: 48 }).hidden_size', "result": "48"},
        {
            "code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>BERT</b>" }; } })',
            "mime": "text/html",
            "result": "<b>BERT</b>",
        },
    ]

    code_display_data = [
        {"code": KERNEL + '.display({ data: { "text/html": "<i>attention</i>", "text/plain": "attention" } })', "mime": "text/html"},
        {"code": KERNEL + '.display({ data: { "image/svg+xml": "<svg xmlns=\'http://www.w3.org/2000/svg\'/>" } })', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = 'import { AutoTokenizer } from "bertlab";\nAutoTokenizer.from_pretrained'

    # IPython.display's clear_output, exported at bertlab's root
    code_clear_output = 'import { clear_output } from "bertlab";\nconsole.log("step 1");\nclear_output({ wait: true });'


if __name__ == "__main__":
    unittest.main()
