namespace Warden.Server.Simulator;

/// <summary>How streamed events are framed on the wire.</summary>
internal enum SimulatorFraming
{
    /// <summary>Server-sent events ending in "\n\n", with an "event: name" line when the dialect names events.</summary>
    Sse,

    /// <summary>Server-sent events ending in "\r\n\r\n", as Gemini's ?alt=sse sends them.</summary>
    SseCrLf,

    /// <summary>One JSON array whose elements are sent as they are made (Gemini streamGenerateContent without alt=sse).</summary>
    JsonArray,
}
