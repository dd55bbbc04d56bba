"""What the service reads from the XML besides the spec: where an element is drawn, what it calls, the DMN
output columns' labels."""

from service.engine.xmlread import decision_outputs, element_infos, parse_xml
from tests.conftest import ROOT


def test_elements_know_their_process_the_process_they_call_and_the_decision_they_evaluate():
    root = parse_xml((ROOT / "bpmn" / "complaint.bpmn").read_bytes())
    process = root.find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    infos = element_infos(process)
    assert {info.process_id for info in infos.values()} == {"complaint"}
    assert (infos["followup"].kind, infos["followup"].called_element) == ("callActivity", "followup_visit")
    rules = {info.element_id: info.decision_ref for info in infos.values() if info.kind == "businessRuleTask"}
    assert list(rules.values()) == ["complaint_classification"], rules
    assert infos["register"].called_element is None and infos["register"].decision_ref is None


def test_decision_outputs_are_the_labelled_output_columns():
    assert decision_outputs((ROOT / "bpmn" / "followup_satisfaction.dmn").read_bytes()) == {
        "followup_satisfaction": {"satisfied": "是否满意"}}
    outputs = decision_outputs((ROOT / "bpmn" / "complaint_classification.dmn").read_bytes())
    assert outputs == {"complaint_classification": {"path": "处理路径", "department": "责任部门", "major": "重大投诉",
                                                    "case_type": "案件类型（回访统计）"}}
