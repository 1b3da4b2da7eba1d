namespace Warden.Server.Simulator;

/// <summary>Whether the request asked for JSON output, and with or without a schema.</summary>
internal enum SimulatorJsonMode
{
    /// <summary>Free text.</summary>
    None,

    /// <summary>Any JSON object (Chat/Responses json_object, Gemini application/json without a schema).</summary>
    Object,

    /// <summary>A JSON value that validates against the request's schema.</summary>
    Schema,
}
