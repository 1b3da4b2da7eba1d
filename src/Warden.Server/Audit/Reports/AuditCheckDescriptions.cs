namespace Warden.Server.Audit.Reports;

/// <summary>What each check tests and what it cannot detect, as the HTML report and docs/audit.md say it.</summary>
internal static class AuditCheckDescriptions
{
    public static (string Tests, string CannotDetect) For(string checkId) => checkId switch
    {
        AuditCheckIds.Substitution => (
            "Whether the answers come from the model that was asked for. With a reference endpoint, the same fixed prompts are "
            + "sampled from both and a two-sample test (maximum mean discrepancy over the answers' texts, p-value by permutation) "
            + "asks whether the two sets of answers could come from one distribution. Without a reference, fingerprints that need "
            + "none: the model's stated identity, the tokenizer family its reported usage reveals for crafted inputs, and its "
            + "declared limits.",
            "A substitute whose answers are distributed like the real model's on these prompts (a close fine-tune, the same "
            + "model at another quantisation, or a substitution only for prompts unlike the audit's); a relay that recognises "
            + "the audit's prompts and routes them honestly. Without a reference, a substitute of the same tokenizer family that "
            + "names the requested model."),
        AuditCheckIds.Usage => (
            "Whether reported token counts match the text. Input tokens are counted locally where the tokenizer is known "
            + "(or compared with the reference's counts), output tokens against the text returned; the inflation ratio is the "
            + "slope of reported on counted tokens (a constant template overhead does not move it), with its confidence "
            + "interval at 1 − alpha. The check fails when the whole interval lies above 1.05.",
            "Inflation below 5% or smaller than the interval's width; hidden reasoning tokens that are billed but not shown (they are "
            + "counted as output by design); inflation only on requests unlike the audit's; a bill that differs from the "
            + "usage the answers report."),
        AuditCheckIds.Context => (
            "Whether long conversations are read whole. Facts are planted early in conversations of several lengths up to the "
            + "advertised context window and asked for at the end; recall at each length is compared with recall in short "
            + "conversations.",
            "Truncation that keeps the planted facts (summaries that preserve them), truncation only beyond the lengths probed, "
            + "or only for conversations unlike the audit's."),
        AuditCheckIds.Output => (
            "Whether output limits are honoured and reported truthfully: max_tokens is respected, a finish reason of "
            + "\"length\" comes only at the limit, and no answer is cut short while claiming to have stopped naturally "
            + "(tested with counting tasks whose full answer is known).",
            "Output cut only on long tasks unlike the counting task, or caps above the limits the audit requests."),
        AuditCheckIds.Replay => (
            "Whether sampled answers are fresh. Identical requests with temperature above zero are sent repeatedly; "
            + "byte-identical answers more often than sampling allows mean answers are cached and replayed.",
            "A cache keyed on more than the audit varies, or replay only of popular prompts; a provider that is "
            + "deterministic at the temperature used (then the check has no power and says so)."),
        AuditCheckIds.Tools => (
            "Whether tool calls are genuine: no tool call in answers to requests that declared no tools, and only declared "
            + "tool names with schema-valid arguments otherwise.",
            "A tool call injected only for tools or prompts unlike the audit's, or an injected call that uses a declared tool "
            + "with valid arguments."),
        AuditCheckIds.Receipts => (
            "For a Warden target: every answer's signed receipt verifies against the published keys (JWKS), its response "
            + "hash matches the bytes received, its request id matches, each receipt's entry is in the transparency log, "
            + "the checkpoints taken at the start and the end of the run are consistent, and the upstream hosts named are "
            + "the expected ones.",
            "What the provider really did: a receipt is the relay's own signed statement, so a relay whose code was changed "
            + "can sign a false served model or usage (the other checks test that). A split view shown only to this auditor "
            + "needs witnesses to be seen."),
        _ => ("A check this version of the report does not describe.", "See the check's documentation."),
    };
}
