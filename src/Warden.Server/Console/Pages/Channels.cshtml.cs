using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Warden.Core.Providers;
using Warden.Server.Hosting;
using Warden.Server.Routing;

namespace Warden.Server.Console.Pages;

/// <summary>
/// Channels with their live health, add (the credential is typed once and never shown again), remove, and the test
/// button. Changes go through the registrar and store the admin API uses, then the same immediate reload.
/// </summary>
internal sealed class ChannelsModel(DataFolder data, ConfigReloader reloader, ChannelCatalog catalog, UpstreamHealth health, ChannelProbe probe, TimeProvider time) : PageModel
{
    public static readonly TimeSpan ErrorWindow = TimeSpan.FromHours(1);

    public sealed record KeyState(string Model, int KeyIndex, KeyHealthSnapshot Health);

    public sealed record Row(Channel Channel, IReadOnlyList<KeyState> Keys, ChannelErrors.Summary? Errors);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public IReadOnlyList<string> Providers { get; } = ProviderProfiles.All.Select(p => p.Id).ToList();

    [BindProperty]
    public ChannelForm Form { get; set; } = new();

    /// <summary>The key to a message about the last add, if it failed; the registrar's own reason goes beside it.</summary>
    public string? Problem { get; private set; }

    public string? ProblemDetail { get; private set; }

    public string? Added { get; private set; }

    public string? TestedChannel { get; private set; }

    public ChannelProbeResult? Test { get; private set; }

    public void OnGet(string? added)
    {
        Added = added;
        Load();
    }

    public IActionResult OnPostAdd()
    {
        var form = Form;

        // The credential lives only in this request: cleared before anything renders, so no page ever shows it back.
        string? credential = string.IsNullOrEmpty(form.Credential) ? null : form.Credential;
        Form = form with { Credential = null };
        if (form.Weight is < 1)
        {
            Problem = "Channels.WeightProblem";
            Load();
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        var result = data.ChannelRegistrar.Add(new ChannelSpec(
            form.Name?.Trim() ?? "",
            form.Provider ?? "",
            string.IsNullOrWhiteSpace(form.BaseUrl) ? null : form.BaseUrl.Trim(),
            Split(form.Models),
            form.Priority,
            credential,
            form.AllowPrivateNetwork,
            Tuning: new ChannelTuning(form.Weight ?? 1, null, null, null, null, null)));
        if (result.Problem is { } problem)
        {
            Problem = "Channels.AddProblem";
            ProblemDetail = problem;
            Load();
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        reloader.Reload();
        return RedirectToPage(new { added = result.Channel!.Name });
    }

    public IActionResult OnPostRemove(string id)
    {
        if (data.Channels.Remove(id))
        {
            reloader.Reload();
        }

        return RedirectToPage();
    }

    public async Task OnPostTestAsync(string id)
    {
        TestedChannel = data.Channels.List().FirstOrDefault(c => c.Id == id)?.Name ?? id;
        Test = await probe.TestAsync(id, HttpContext.RequestAborted);
        Load();
    }

    internal static IReadOnlyList<string> Split(string? list) =>
        (list ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private void Load()
    {
        var errors = ChannelErrors.Since(data.Database, time.GetUtcNow() - ErrorWindow);
        var targets = catalog.AllTargets().ToLookup(t => t.Target.ChannelId, StringComparer.Ordinal);
        Rows = data.Channels.List()
            .OrderByDescending(c => c.Priority).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new Row(
                c,
                targets[c.Id].Select(t => new KeyState(t.Model, t.Target.KeyIndex, health.Snapshot(RouteLeg.HealthKey(t.Target, t.Model))))
                    .OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.KeyIndex).ToList(),
                errors.GetValueOrDefault(c.Id)))
            .ToList();
    }
}
