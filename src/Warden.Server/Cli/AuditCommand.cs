using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Spectre.Console;
using Warden.Server.Audit;
using Warden.Server.Audit.Clients;
using Warden.Server.Audit.Reports;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden audit</c>: a black-box test of any endpoint speaking OpenAI Chat, Responses, Anthropic or Gemini for model
/// substitution, inflated usage, cut context, dishonest output limits, replayed answers, injected tool calls and (on a
/// Warden) receipts that do not hold. Exit 0 when nothing was found at the chosen significance, 1 when a check found
/// something, 2 for a usage or connection error (bad options, an empty key variable, an endpoint that does not answer a
/// first request). Numeric options are read as text so that a malformed value is a usage error (2), not a parse error.
/// </summary>
internal static class AuditCommand
{
    private const string Usage = "usage: warden audit --base-url URL --key-env VAR --model M [--protocol openai|responses|anthropic|gemini]"
        + " [--reference-url URL --reference-key-env VAR [--reference-model M]] [--checks LIST] [--max-requests N] [--alpha A]"
        + " [--json FILE] [--html FILE] [--seed N] [--expect-upstream-host HOST …] [--context-window TOKENS]";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    public static Command Build()
    {
        var baseUrl = new Option<string?>("--base-url") { Description = "The endpoint to audit: OpenAI and Responses bases end in /v1, Anthropic's is the host root or /v1, Gemini's ends in /v1beta." };
        var keyEnv = new Option<string?>("--key-env") { Description = "Name of the environment variable holding the endpoint's key." };
        var model = new Option<string?>("--model") { Description = "The model to audit, as the endpoint names it." };
        var protocol = new Option<string?>("--protocol") { Description = "openai (Chat Completions, default), responses, anthropic or gemini." };
        var referenceUrl = new Option<string?>("--reference-url") { Description = "A trusted endpoint serving the same model (the provider itself), for the substitution and usage comparisons." };
        var referenceKeyEnv = new Option<string?>("--reference-key-env") { Description = "Name of the environment variable holding the reference's key." };
        var referenceModel = new Option<string?>("--reference-model") { Description = "The model's name at the reference (default: --model)." };
        var checks = new Option<string?>("--checks") { Description = "Comma-separated checks to run (default all): " + string.Join(", ", AuditCheckIds.All) + "." };
        var maxRequests = new Option<string?>("--max-requests") { Description = "The most requests the audit sends, target and reference together (default 600)." };
        var alpha = new Option<string?>("--alpha") { Description = "Significance level per check (default 0.01)." };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var html = new Option<string?>("--html") { Description = "Write the report as a single-file HTML page with a chart per check." };
        var seed = new Option<string?>("--seed") { Description = "Seed for the prompt choice and the permutation tests, to repeat a run (default: random, printed)." };
        var expectHost = new Option<string[]>("--expect-upstream-host") { Description = "An upstream host the target's receipts should name (repeatable or comma-separated)." };
        var contextWindow = new Option<string?>("--context-window") { Description = "The context window in tokens to probe up to, when the endpoint's model list does not say it." };
        var command = new Command("audit", "Test an AI endpoint (Warden or not) for model substitution, inflated usage, cut context, dishonest output limits, replayed answers and injected tool calls.")
        {
            baseUrl, keyEnv, model, protocol, referenceUrl, referenceKeyEnv, referenceModel, checks, maxRequests, alpha, json, html, seed, expectHost, contextWindow,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            var (plan, problem) = ReadPlan(parse, baseUrl, keyEnv, model, protocol, referenceUrl, referenceKeyEnv, referenceModel, checks, maxRequests, alpha, json, html, seed,
                expectHost, contextWindow);
            if (problem is not null)
            {
                await error.WriteLineAsync("warden audit: " + problem);
                await error.WriteLineAsync(Usage);
                return 2;
            }

            return await RunAsync(plan!, output, error, cancellationToken);
        });
        return command;
    }

    /// <summary>Everything the options say, checked.</summary>
    private sealed record Plan(
        AuditProtocol Protocol, Uri BaseUrl, string Key, string Model, Uri? ReferenceUrl, string? ReferenceKey, string ReferenceModel,
        IReadOnlyList<string> Checks, AuditSettings Settings, string? JsonPath, string? HtmlPath);

    private static (Plan? Plan, string? Problem) ReadPlan(
        ParseResult parse, Option<string?> baseUrl, Option<string?> keyEnv, Option<string?> model, Option<string?> protocol, Option<string?> referenceUrl,
        Option<string?> referenceKeyEnv, Option<string?> referenceModel, Option<string?> checks, Option<string?> maxRequests, Option<string?> alpha,
        Option<string?> json, Option<string?> html, Option<string?> seed, Option<string[]> expectHost, Option<string?> contextWindow)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            return (null, "unexpected arguments: " + string.Join(' ', parse.UnmatchedTokens));
        }

        if (parse.GetValue(baseUrl) is not { } target || parse.GetValue(keyEnv) is not { } keyVariable || parse.GetValue(model) is not { Length: > 0 } modelName)
        {
            return (null, "--base-url, --key-env and --model are required");
        }

        if (!AuditTargets.TryParse(parse.GetValue(protocol) ?? "openai", out var wire))
        {
            return (null, $"--protocol {parse.GetValue(protocol)}: use openai, responses, anthropic or gemini");
        }

        if (EndpointUrl(target, "--base-url", out var targetUrl) is { } urlProblem)
        {
            return (null, urlProblem);
        }

        if (Key(keyVariable, out string key) is { } keyProblem)
        {
            return (null, keyProblem);
        }

        Uri? reference = null;
        string? referenceKey = null;
        string? referenceVariable = parse.GetValue(referenceKeyEnv);
        if (parse.GetValue(referenceUrl) is { } referenceText)
        {
            if (referenceVariable is null)
            {
                return (null, "--reference-url needs --reference-key-env");
            }

            if (EndpointUrl(referenceText, "--reference-url", out reference) is { } referenceProblem)
            {
                return (null, referenceProblem);
            }

            if (Key(referenceVariable, out string value) is { } referenceKeyProblem)
            {
                return (null, referenceKeyProblem);
            }

            referenceKey = value;
        }
        else if (referenceVariable is not null || parse.GetValue(referenceModel) is not null)
        {
            return (null, "--reference-key-env and --reference-model need --reference-url");
        }

        var selected = CommonOptions.SplitList(parse.GetValue(checks));
        if (selected.FirstOrDefault(id => !AuditCheckIds.All.Contains(id, StringComparer.Ordinal)) is { } unknown)
        {
            return (null, $"--checks: unknown check '{unknown}'; the checks are {string.Join(", ", AuditCheckIds.All)}");
        }

        var settings = new AuditSettings();
        if (Integer(parse.GetValue(maxRequests), "--max-requests", 1, out long budget) is { } budgetProblem)
        {
            return (null, budgetProblem);
        }

        if (Integer(parse.GetValue(seed), "--seed", int.MinValue, out long seedValue) is { } seedProblem)
        {
            return (null, seedProblem);
        }

        if (Integer(parse.GetValue(contextWindow), "--context-window", 1, out long window) is { } windowProblem)
        {
            return (null, windowProblem);
        }

        double significance = settings.Alpha;
        if (parse.GetValue(alpha) is { } alphaText
            && (!double.TryParse(alphaText, NumberStyles.Float, CultureInfo.InvariantCulture, out significance) || significance is <= 0 or >= 0.5))
        {
            return (null, $"--alpha {alphaText}: a significance level above 0 and below 0.5, such as 0.01");
        }

        settings = settings with
        {
            Alpha = significance,
            MaxRequests = parse.GetValue(maxRequests) is null ? settings.MaxRequests : (int)budget,
            Seed = parse.GetValue(seed) is null ? RandomNumberGenerator.GetInt32(1, int.MaxValue) : (int)seedValue,
            ContextWindow = parse.GetValue(contextWindow) is null ? null : window,
            ExpectUpstreamHosts = [.. (parse.GetValue(expectHost) ?? []).SelectMany(CommonOptions.SplitList)],
        };
        return (new Plan(wire, targetUrl!, key, modelName, reference, referenceKey, parse.GetValue(referenceModel) ?? modelName,
            selected.Count == 0 ? AuditCheckIds.All : selected, settings, parse.GetValue(json), parse.GetValue(html)), null);
    }

    private static string? EndpointUrl(string text, string option, out Uri? url)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(url.Query))
        {
            url = null;
            return $"{option} {text}: an http or https URL without a query, such as https://api.openai.com/v1";
        }

        return null;
    }

    private static string? Key(string variable, out string key)
    {
        key = Environment.GetEnvironmentVariable(variable) ?? "";
        return key.Length == 0 ? $"the environment variable {variable} is empty" : null;
    }

    private static string? Integer(string? text, string option, long minimum, out long value)
    {
        value = 0;
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= minimum && value <= int.MaxValue
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{option} {text}: a whole number from {minimum}");
    }

    private static async Task<int> RunAsync(Plan plan, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var http = new AuditHttp(RequestTimeout, TimeProvider.System);
        var target = AuditTargets.Create(plan.Protocol, "target", plan.BaseUrl, plan.Model, plan.Key, http);
        var reference = plan.ReferenceUrl is null ? null : AuditTargets.Create(plan.Protocol, "reference", plan.ReferenceUrl, plan.ReferenceModel, plan.ReferenceKey!, http);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Auditing {plan.Model} at {plan.BaseUrl} ({AuditProtocolName(plan.Protocol)}){(reference is null ? "" : $" against {plan.ReferenceModel} at {plan.ReferenceUrl}")}, seed {plan.Settings.Seed}"));

        // A first small request to each endpoint: a wrong key, URL or model is a usage error before any budget is spent.
        int probes = 0;
        foreach (var endpoint in reference is null ? [target] : new[] { target, reference })
        {
            var reply = await endpoint.SendAsync(new AuditPrompt { Messages = [AuditMessage.User("Reply with the word OK.")], MaxTokens = 16 }, cancellationToken);
            probes++;
            if (!reply.Succeeded)
            {
                await error.WriteLineAsync($"warden audit: the {endpoint.Label} did not answer a first request ({reply.Error ?? "HTTP " + reply.Status}); check the URL, key, model and protocol");
                return 2;
            }
        }

        var settings = plan.Settings with { MaxRequests = Math.Max(plan.Settings.MaxRequests - probes, 1) };
        var runner = new AuditRunner(AuditChecks.All(), TimeProvider.System);
        AuditReport report;
        if (ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            report = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(context => runner.RunAsync(target, reference, settings, plan.Checks, new AuditProgressBar(context), cancellationToken));
        }
        else
        {
            report = await runner.RunAsync(target, reference, settings, plan.Checks, new AuditProgressLines(output), cancellationToken);
        }

        AuditSummary.Write(output, report);
        if (await WriteReportsAsync(plan, report, output, error, cancellationToken) is { } failed)
        {
            return failed;
        }

        return report.ExitCode;
    }

    /// <summary>The JSON and HTML reports; an unwritable file is a usage error (2), reported after the summary.</summary>
    private static async Task<int?> WriteReportsAsync(Plan plan, AuditReport report, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            if (plan.JsonPath is { } jsonPath)
            {
                await using var file = File.Create(jsonPath);
                AuditJsonReport.Write(report, file);
                await output.WriteLineAsync("JSON report: " + jsonPath);
            }

            if (plan.HtmlPath is { } htmlPath)
            {
                await using var writer = new StreamWriter(htmlPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                AuditHtmlReport.Write(report, writer);
                await output.WriteLineAsync("HTML report: " + htmlPath);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("warden audit: could not write the report: " + ex.Message);
            return 2;
        }

        await output.FlushAsync(cancellationToken);
        return null;
    }

    private static string AuditProtocolName(AuditProtocol protocol) => protocol switch
    {
        AuditProtocol.OpenAIChat => "OpenAI Chat Completions",
        AuditProtocol.Responses => "OpenAI Responses",
        AuditProtocol.Anthropic => "Anthropic Messages",
        _ => "Gemini",
    };
}
