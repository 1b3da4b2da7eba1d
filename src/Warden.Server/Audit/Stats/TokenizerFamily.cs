namespace Warden.Server.Audit.Stats;

/// <summary>A tokenizer family whose counts the audit can compute exactly.</summary>
internal enum TokenizerFamily
{
    /// <summary>Not known: usage is compared with a reference instead.</summary>
    None,

    /// <summary>OpenAI's o200k_base (gpt-4o, gpt-4.1, o1/o3/o4, gpt-5).</summary>
    O200k,

    /// <summary>OpenAI's cl100k_base (gpt-4, gpt-3.5-turbo, the ada-002 embeddings).</summary>
    Cl100k,

    /// <summary>OpenAI's r50k_base (the GPT-3 davinci/curie/babbage/ada base models).</summary>
    R50k,

    /// <summary>Warden's simulator: ceil(characters / 4) over the whole prompt plus 4 per message (SimulatorTokens).</summary>
    SimChars4,
}
