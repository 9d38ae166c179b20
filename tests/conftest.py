from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

import aigovkg
from aigovkg import resources

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def kg() -> aigovkg.KnowledgeGraph:
    """The shipped knowledge graph, loaded once."""
    return aigovkg.load()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped graph/ to break."""
    target = tmp_path / "graph"
    shutil.copytree(resources.graph_dir(), target)
    return target


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "aigovkg", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        env=env,
        timeout=300,
    )


def seed_file(prefix: str) -> Path:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"the shared seeds are not beside this checkout ({SEEDS})")
    return matches[0]


# ------------------------------------------------------------------ the quick subset
# `python -m pytest -m "not slow"` runs a quick subset while working; plain `python -m pytest`
# (CI, the README's test command) runs everything. The rule: a test function is slow when its
# cases together took 0.5 s or more (setup, call and teardown, as `--durations=0` reports them)
# in a run of the whole suite on the 2-core machine (2026-12-05: 783 tests in 561 s, the machine
# shared), or in the quick run that was left, where the setup of a module's fixture (a built
# site, a started server) falls on the first test kept that uses it. Kept all the same, as the
# quick run's test of their stage: test_site's screenshot (builds the site, drives the browser),
# test_server's tests on a pushed Oxigraph server, test_validate_cli's shipped graph. What is
# left touches every stage: loading (test_bad_data), validation (test_validate_cli,
# test_fast_shacl, test_shapes), the named queries (test_queries), the command line's errors
# (test_researcher_cli, test_topic_page), the site in the browser and the Oxigraph server;
# test_quick_subset.py checks that it does and that every name below exists.
# A new test that takes 0.5 s or more goes in this list; a file whose tests are all slow is ALL.
ALL = ("*",)
SLOW: dict[str, tuple[str, ...]] = {
    "test_analyse.py": (
        "test_cli_analysis_commands", "test_clusters_do_not_depend_on_the_hash_seed",
    ),
    "test_bad_data.py": (
        "test_a_date_with_a_time_zone_is_refused_by_validation_and_read_elsewhere",
        "test_a_link_out_of_the_data_folder_is_refused", "test_conflicting_values_in_two_files_name_both",
        "test_ill_typed_literal_is_refused_naming_the_file",
        "test_malformed_turtle_is_refused_with_file_line_column",
        "test_nul_in_a_label_shows_as_the_replacement_character",
        "test_nul_inside_strings_loads_and_every_dump_keeps_it",
        "test_one_million_triples_load_in_bounded_memory",
        "test_script_addresses_are_refused_by_shape_and_never_become_links",
        "test_ten_megabyte_literal_loads_in_bounded_memory",
        "test_ten_thousand_deep_nesting_is_a_clear_error",
        "test_unchecked_ill_typed_literal_is_a_clear_violation",
    ),
    "test_beside.py": (
        "test_a_child_dies_with_its_killed_parent",
        "test_a_child_queries_the_store_though_it_was_forked_through_the_gate",
        "test_a_dumps_worker_killed_part_way_leaves_the_dumps_to_the_build",
        "test_dumps_written_beside_the_pages_or_after_them_are_the_same_files",
        "test_queries_run_ahead_give_the_answers_the_caller_gets",
        "test_a_query_run_ahead_fails_as_it_would_here",
        "test_a_bug_in_the_thread_answering_ahead_comes_back_with_its_traceback",
        "test_a_process_forked_beside_queries_run_ahead_waits_for_them",
        "test_a_graph_with_blank_nodes_has_its_dumps_made_from_the_store_after_the_pages",
        "test_answers_given_up_before_they_started_are_never_asked",
        "test_queries_kept_run_once_and_give_fresh_rows_each_time",
        "test_a_pictures_worker_killed_part_way_leaves_the_pictures_to_the_build",
        "test_dumps_of_other_files_than_those_loaded_are_made_again_from_the_graph_loaded",
    ),
    "test_build.py": ALL,
    "test_crosswalk.py": (
        "test_a_verified_link_validates_and_counts", "test_an_unverified_link_is_a_violation",
    ),
    "test_diff.py": (
        "test_a_bad_revision_is_a_clear_error", "test_a_file_or_a_broken_copy_is_an_input_error",
        "test_a_revision_against_a_folder_and_atom_from_real_versions",
        "test_atom_feeds_of_an_edited_copy_validate", "test_atom_needs_a_topic_and_a_release_date",
        "test_diff_between_two_commits_of_this_repository", "test_edits_to_a_copy_are_reported_exactly",
        "test_outside_a_git_repository_a_revision_is_refused", "test_unchanged_graph_gives_an_empty_diff",
    ),
    "test_endpoints.py": (
        "test_bad_answers_are_errors_naming_the_endpoint",
        "test_failed_push_is_an_error_and_says_the_graph_is_unchanged", "test_good_answer",
        "test_server_error_is_retried_with_backoff",
    ),
    "test_export.py": (
        "test_byte_stable_across_hash_seeds", "test_canonical_order_is_the_order_of_the_triples_text",
        "test_dataset_dumps_put_each_part_in_its_named_graph",
        "test_json_ld_which_could_hold_named_graphs_stays_in_the_default_graph",
        "test_export_out_streams_to_a_temporary_file_renamed_into_place",
        "test_jsonld_is_what_rdflib_compacts_of_the_same_graph",
        "test_jsonld_uses_short_keys_and_needs_no_network", "test_round_trip_is_isomorphic",
    ),
    "test_fast_shacl.py": (
        "test_engines_give_the_same_report_on_a_broken_copy", "test_every_component_agrees_with_pyshacl",
        "test_pyrudof_finds_the_same_violations_on_planted_data", "test_screens_are_necessary_conditions",
        "test_shape_cases_agree_with_pyshacl", "test_shipped_graph_agrees",
    ),
    "test_files.py": (
        "test_a_killed_build_leaves_the_previous_output_intact",
        "test_a_killed_run_s_staging_folder_is_removed_by_the_next",
        "test_a_slug_cannot_write_outside_the_output_folder",
        "test_an_output_path_under_a_file_is_one_line_not_a_traceback",
        "test_every_output_is_written_to_a_temporary_file_then_renamed",
        "test_out_at_a_folder_aigovkg_did_not_make_is_refused",
        "test_out_at_or_around_the_data_folder_is_refused", "test_out_at_the_current_folder_is_a_clear_error",
        "test_outputs_keep_normal_permissions",
        "test_two_builds_into_the_same_folder_leave_one_complete_build",
    ),
    "test_fuzz.py": ALL,
    "test_hostile_queries.py": (
        "test_from_may_name_a_graph_of_the_local_store_only",
        "test_injection_through_every_parameter_of_every_named_query",
        "test_memory_hungry_query_is_stopped_and_the_caller_survives",
        "test_pathological_query_text_is_refused", "test_service_hidden_from_a_text_guard_is_still_refused",
        "test_the_query_worker_has_no_network", "test_unsafe_queries_to_a_remote_endpoint_never_reach_it",
    ),
    "test_lint.py": (
        "test_mypy",
    ),
    "test_literals_as_written.py": (
        "test_every_dump_keeps_each_literal_as_written", "test_push_sends_them_as_written",
        "test_validate_says_what_it_did_about_them",
    ),
    "test_mcp.py": (
        "test_ad_hoc_answers_are_capped_and_every_form_answers",
        "test_bad_parameters_are_tool_errors_and_the_server_goes_on", "test_concurrent_calls_all_answer",
        "test_each_tool_answers_from_the_graph", "test_help_says_loopback_by_default",
        "test_http_listens_on_loopback_only_and_stops_cleanly",
        "test_http_on_a_port_in_use_says_so_and_announces_nothing",
        "test_http_refuses_requests_that_are_not_addressed_to_the_loopback",
        "test_instruments_of_a_jurisdiction_include_its_subnational_parts",
        "test_lists_the_tools_and_resources", "test_over_a_remote_endpoint_the_answers_are_the_same",
        "test_resources_hold_the_queries_ontology_and_shapes",
        "test_reviewed_silence_rests_on_what_was_searched", "test_service_through_the_sparql_tool_is_refused",
        "test_stdio_with_the_sdk_client", "test_stdio_writes_nothing_but_the_protocol_on_standard_output",
        "test_without_the_sdk_the_command_names_the_extra",
    ),
    "test_misbehaving_endpoints.py": (
        "test_credentials_do_not_follow_a_redirect_to_another_host",
        "test_failed_push_leaves_the_real_remote_graph_as_it_was", "test_misbehaving_endpoint_api",
        "test_misbehaving_endpoint_cli", "test_server_errors_then_success_are_retried",
    ),
    "test_notebook_api.py": (
        "test_a_star_import_gives_every_name_it_promises",
    ),
    "test_notebooks.py": (
        "test_notebook_runs",
    ),
    "test_obligations.py": (
        "test_bad_dates_and_roles_are_refused_before_anything_runs",
        "test_the_calendar_as_a_table_and_an_atom_feed",
        "test_the_calendar_as_icalendar_read_back_by_a_real_parser",
        "test_the_instrument_page_shows_each_obligation_with_what_it_rests_on",
    ),
    "test_ontodoc.py": (
        "test_each_class_lists_its_properties_and_shapes_and_the_shapes_are_published",
        "test_every_redirect_target_is_a_file_the_build_wrote",
        "test_ontology_files_are_the_same_bytes_whatever_the_hash_seed", "test_the_formats_are_the_ontology",
        "test_the_page_lists_every_class_property_and_concept",
        "test_the_page_shows_definitions_sources_and_alignments",
        "test_without_a_site_url_no_htaccess_is_written",
    ),
    "test_package.py": (
        "test_help_for_every_command", "test_wheel_ships_ontology_graph_and_queries",
    ),
    "test_plot.py": ALL,
    "test_portability.py": (
        "test_check_answers_the_same_on_rdflib", "test_named_query_answers_the_same_on_rdflib",
    ),
    "test_queries.py": (
        "test_bad_parameters_are_rejected_before_anything_runs", "test_cli_timeout_is_reported_as_an_error",
        "test_construct_as_turtle_and_jsonld", "test_every_named_query_runs_and_is_documented",
        "test_page_queries_run_once_give_each_subjects_rows",
        "test_pages_count_later_regimes_as_the_query_does", "test_query_formats",
        "test_runaway_query_is_stopped_by_the_time_limit", "test_stats_counts_what_issue_4_asks_for",
        "test_syntax_error_in_an_ad_hoc_query", "test_unsafe_queries_are_refused_and_nothing_connects",
    ),
    "test_readme.py": (
        "test_readme_example_runs",
    ),
    "test_releases.py": (
        "test_a_bad_release_is_one_line",
        "test_an_answer_as_of_an_earlier_release_differs_where_the_data_changed",
        "test_diff_across_two_releases",
    ),
    "test_remote_stores.py": (
        "test_a_deadline_bounds_a_trickling_answer", "test_a_refused_push_shows_the_stores_own_message",
        "test_a_stores_row_limit_is_never_a_silent_partial_answer",
        "test_answers_larger_than_the_cap_are_refused", "test_credentials_from_the_environment_or_netrc",
        "test_credentials_never_follow_a_redirect_that_changes_scheme_or_port",
        "test_push_never_leaves_readers_a_half_done_graph",
        "test_push_takes_credentials_from_the_environment",
        "test_queries_read_a_named_graph_given_as_the_default_graph", "test_secrets_are_never_printed",
    ),
    "test_researcher_cli.py": (
        "test_a_claim_is_taken_by_its_curie_with_slashes", "test_a_prefix_typo_is_one_line_with_a_suggestion",
        "test_an_unknown_slug_is_an_error_not_zero_rows", "test_ask_answers_in_the_w3c_result_formats",
        "test_curies_the_tool_prints_are_taken_as_parameters",
        "test_no_entailment_but_the_subclass_path_finds_the_entities",
    ),
    "test_server.py": (
        "test_every_named_query_gives_the_same_rows_embedded_and_remote", "test_push_into_a_named_graph",
        "test_push_replaces_rather_than_appends", "test_serve_answers_queries_at_the_guards_limits",
        "test_serve_is_read_only_at_every_door", "test_serve_on_a_port_in_use_says_so_and_announces_nothing",
        "test_serve_refuses_what_the_guard_refuses", "test_serve_starts_answers_and_stops_on_ctrl_c",
    ),
    "test_shapes.py": (
        "test_shape_case",
    ),
    "test_site.py": (
        "test_compare_page_works_from_a_static_server",
        "test_every_page_loads_without_console_errors_and_links_resolve",
        "test_hostile_labels_and_quotes_stay_text_on_the_timeline_and_calendar",
        "test_instrument_facts_name_their_fields_in_words",
        "test_json_ld_agrees_with_the_graph", "test_jurisdiction_pages_show_the_labels_the_index_shows",
        "test_page_count", "test_pages_read_on_a_phone",
        "test_search_finds_instruments_topics_and_claims_from_file_and_from_a_server",
        "test_search_shows_a_hostile_label_as_text_and_runs_nothing",
        "test_the_sites_calendar_files_are_those_the_calendar_command_writes",
        "test_topic_pages_say_the_definition_once_and_each_header_once",
        "test_what_a_claim_rests_on_shows_on_topic_instrument_and_compare_pages",
    ),
    "test_synth.py": (
        "test_a_synthetic_graph_validates", "test_planted_violations_are_found_by_both_engines",
        "test_pyrudof_by_parts_finds_what_pyrudof_finds_whole", "test_synth_refuses_a_folder_in_use",
        "test_the_benchmark_runs_on_the_small_graph",
    ),
    "test_topic_on.py": (
        "test_cli_prints_the_page_as_it_applied", "test_counts_narrowed_to_some_instruments_match_the_summary_query",
    ),
    "test_topic_page.py": (
        "test_cli_prints_the_page_in_every_format",
        "test_default_view_marks_unverified_and_unassessed_claims",
        "test_unknown_topic_and_source_are_input_errors",
    ),
    "test_validate_cli.py": (
        "test_a_relative_iri_resolves_and_meets_the_iri_policy", "test_mistake_is_reported",
        "test_on_disk_graph_answers_like_the_in_memory_one", "test_on_disk_store_validates_the_same",
        "test_on_disk_syntax_error_names_file_and_line", "test_syntax_error_names_file_and_line",
    ),
    "test_virtuoso.py": ALL,
    "test_w3c_shacl.py": ALL,
    "test_wiki.py": (
        "test_a_nul_in_a_label_shows_as_the_replacement_character",
        "test_every_page_compiles_with_the_real_mdx_compiler",
        "test_front_matter_round_trips_hostile_labels_exactly", "test_hostile_text_stays_text",
        "test_relative_links_resolve", "test_topic_page_includes_the_approach_evaluation",
    ),
}


def is_slow(file_name: str, function: str) -> bool:
    """Whether a test function is in the slow list (``file_name`` like ``test_site.py``)."""
    names = SLOW.get(file_name, ())
    return names == ALL or function in names


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "originalname", None) or item.name.split("[")[0]
        if is_slow(item.path.name, function) and item.path.parent.name == "tests":
            item.add_marker(pytest.mark.slow)
