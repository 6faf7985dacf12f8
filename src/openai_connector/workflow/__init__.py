"""Running the connector inside BPMN processes (Camunda 8 element templates, FEEL)."""
