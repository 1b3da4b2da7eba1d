namespace Warden.Server.Hosting;

/// <summary>How <c>warden serve</c> writes its console log.</summary>
internal enum LogFormat
{
    /// <summary>One plain line per event (the default).</summary>
    Text,

    /// <summary>One JSON object per line, with the request id and trace id of the request it belongs to.</summary>
    Json,
}
