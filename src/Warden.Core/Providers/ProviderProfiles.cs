using System.Collections.Frozen;

namespace Warden.Core.Providers;

/// <summary>The provider profiles Warden knows. Adding a compatible vendor is adding a line here.</summary>
public static class ProviderProfiles
{
    public static ProviderProfile OpenAI { get; } = new(
        "openai", "OpenAI", WireDialect.OpenAIChat, new Uri("https://api.openai.com/v1/"), AuthScheme.Bearer, "US", ProviderQuirks.None);

    public static ProviderProfile DeepSeek { get; } = new(
        "deepseek", "DeepSeek", WireDialect.OpenAIChat, new Uri("https://api.deepseek.com/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    // DashScope's OpenAI-compatible mode (international endpoint); the mainland endpoint is a channel base URL away.
    public static ProviderProfile Qwen { get; } = new(
        "qwen", "Qwen (DashScope compatible mode)", WireDialect.OpenAIChat, new Uri("https://dashscope-intl.aliyuncs.com/compatible-mode/v1/"), AuthScheme.Bearer, "SG", ProviderQuirks.None);

    public static ProviderProfile Glm { get; } = new(
        "glm", "Zhipu GLM", WireDialect.OpenAIChat, new Uri("https://open.bigmodel.cn/api/paas/v4/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Moonshot { get; } = new(
        "moonshot", "Moonshot", WireDialect.OpenAIChat, new Uri("https://api.moonshot.cn/v1/"), AuthScheme.Bearer, "CN", ProviderQuirks.None);

    public static ProviderProfile Vllm { get; } = new(
        "vllm", "vLLM", WireDialect.OpenAIChat, new Uri("http://127.0.0.1:8000/v1/"), AuthScheme.Bearer, "local", ProviderQuirks.LocalNetwork);

    // Ollama's OpenAI-compatible endpoint needs no credential.
    public static ProviderProfile Ollama { get; } = new(
        "ollama", "Ollama", WireDialect.OpenAIChat, new Uri("http://127.0.0.1:11434/v1/"), AuthScheme.None, "local", ProviderQuirks.LocalNetwork);

    public static ProviderProfile Simulator { get; } = new(
        "simulator", "Warden simulator", WireDialect.OpenAIChat, new Uri("http://127.0.0.1:8081/v1/"), AuthScheme.Bearer, "local", ProviderQuirks.LocalNetwork);

    public static IReadOnlyList<ProviderProfile> All { get; } = [OpenAI, DeepSeek, Qwen, Glm, Moonshot, Vllm, Ollama, Simulator];

    private static readonly FrozenDictionary<string, ProviderProfile> ById =
        All.ToFrozenDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);

    public static ProviderProfile? Find(string id) => ById.GetValueOrDefault(id);
}
